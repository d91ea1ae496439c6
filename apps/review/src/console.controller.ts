import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Public } from './auth/principal';
import { openApiDocument } from './openapi';

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** The console's files sit beside the compiled service (copied by the build), loaded once. */
function loadConsole(): Map<string, Buffer> {
  const dir = path.join(__dirname, '..', 'console');
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(TYPES)) files.set(name, readFileSync(path.join(dir, name)));
  return files;
}

/** The reviewer console (static, no CDN) and the OpenAPI document. */
@Controller()
@Public()
export class ConsoleController {
  private files: Map<string, Buffer> | undefined;
  private readonly openapi = JSON.stringify(openApiDocument());

  @Get('openapi.json')
  openApi(@Res() res: Response): void {
    res.type('application/json').send(this.openapi);
  }

  @Get()
  root(@Res() res: Response): void {
    res.redirect(302, '/console/');
  }

  @Get('console')
  consoleRoot(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get('console/:file')
  consoleFile(@Param('file') file: string, @Res() res: Response): void {
    this.send(res, file === '' ? 'index.html' : file);
  }

  private send(res: Response, name: string): void {
    const type = TYPES[name];
    this.files ??= loadConsole();
    const body = type ? this.files.get(name) : undefined;
    if (!type || !body) throw new NotFoundException({ code: 'CONSOLE.NOT_FOUND', message: 'no such file' });
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'no-cache');
    res.send(body);
  }
}

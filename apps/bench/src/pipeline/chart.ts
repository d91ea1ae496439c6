/** One measured load of the pipeline, as the chart needs it. */
export interface ChartPoint {
  label: string;
  offered: number;
  achieved: number;
  p99Ms: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * A hand-written SVG of two panels: achieved throughput against offered load (with the transport
 * ceiling and the 10k/s target), and end-to-end p99 latency against offered load (with the 200 ms target).
 * The flat-out run is drawn at its achieved send rate.
 */
export function pipelineChart(points: ChartPoint[], ceiling: number | undefined, title: string): string {
  const W = 900;
  const H = 380;
  const pad = { l: 70, r: 40, t: 50, b: 60 };
  const panelW = (W - pad.l - pad.r - 60) / 2;
  const panelH = H - pad.t - pad.b;
  const maxX = Math.max(1, ...points.map((p) => p.offered)) * 1.1;
  const maxY = Math.max(1, ceiling ?? 0, 10_000, ...points.map((p) => p.achieved)) * 1.1;
  const maxL = Math.max(250, ...points.map((p) => p.p99Ms)) * 1.1;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  const panel = (
    x0: number,
    yMax: number,
    yLabel: string,
    y: (p: ChartPoint) => number,
    refs: Array<[number, string, string]>,
  ) => {
    const sx = (v: number) => x0 + (v / maxX) * panelW;
    const sy = (v: number) => pad.t + panelH - (Math.min(v, yMax) / yMax) * panelH;
    out.push(`<rect x="${x0}" y="${pad.t}" width="${panelW}" height="${panelH}" fill="none" stroke="#999"/>`);
    for (let i = 0; i <= 4; i++) {
      const vx = (maxX / 4) * i;
      const vy = (yMax / 4) * i;
      out.push(
        `<text x="${sx(vx)}" y="${pad.t + panelH + 16}" text-anchor="middle">${Math.round(vx)}</text>`,
      );
      out.push(`<text x="${x0 - 6}" y="${sy(vy) + 4}" text-anchor="end">${Math.round(vy)}</text>`);
      out.push(`<line x1="${x0}" x2="${x0 + panelW}" y1="${sy(vy)}" y2="${sy(vy)}" stroke="#eee"/>`);
    }
    out.push(
      `<text x="${x0 + panelW / 2}" y="${pad.t + panelH + 36}" text-anchor="middle">offered load (alerts/s)</text>`,
    );
    out.push(
      `<text x="${x0 - 52}" y="${pad.t + panelH / 2}" text-anchor="middle" transform="rotate(-90 ${x0 - 52} ${pad.t + panelH / 2})">${esc(yLabel)}</text>`,
    );
    for (const [v, colour, label] of refs) {
      out.push(
        `<line x1="${x0}" x2="${x0 + panelW}" y1="${sy(v)}" y2="${sy(v)}" stroke="${colour}" stroke-dasharray="5 4"/>`,
      );
      out.push(
        `<text x="${x0 + panelW - 4}" y="${sy(v) - 4}" text-anchor="end" fill="${colour}">${esc(label)}</text>`,
      );
    }
    const sorted = [...points].sort((a, b) => a.offered - b.offered);
    out.push(
      `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${sorted.map((p) => `${sx(p.offered)},${sy(y(p))}`).join(' ')}"/>`,
    );
    for (const p of sorted) {
      out.push(
        `<circle cx="${sx(p.offered)}" cy="${sy(y(p))}" r="4" fill="#1f77b4"><title>${esc(p.label)}: ${Math.round(y(p))}</title></circle>`,
      );
    }
    return { sx, sy };
  };
  const left = panel(pad.l, maxY, 'achieved (alerts/s)', (p) => p.achieved, [
    ...(ceiling
      ? ([[ceiling, '#d62728', `transport ceiling ${ceiling}/s`]] as Array<[number, string, string]>)
      : []),
    [10_000, '#2ca02c', 'target 10k/s'],
  ]);
  out.push(
    `<line x1="${left.sx(0)}" y1="${left.sy(0)}" x2="${left.sx(Math.min(maxX, maxY))}" y2="${left.sy(Math.min(maxX, maxY))}" stroke="#bbb" stroke-dasharray="2 3"/>`,
  );
  panel(pad.l + panelW + 80, maxL, 'end-to-end p99 (ms)', (p) => p.p99Ms, [
    [200, '#2ca02c', 'target 200 ms'],
  ]);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Small inline-SVG charts for the evaluation report: no library, no network, text escaped. */

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const round = (value: number) => Math.round(value * 10) / 10;

/** Grouped horizontal bars: one row per item, a bar per series (values 0 to 1). */
export function barRows(
  items: readonly { label: string; values: number[]; note?: string }[],
  series: readonly { name: string; color: string }[],
  id: string,
): string {
  const labelWidth = 220;
  const barWidth = 360;
  const barHeight = 5;
  const rowHeight = series.length * barHeight + 6;
  const top = 22;
  const height = top + items.length * rowHeight + 8;
  const width = labelWidth + barWidth + 130;
  const legend = series
    .map(
      (entry, index) =>
        `<rect x="${labelWidth + index * 110}" y="4" width="10" height="10" fill="${entry.color}"/><text x="${labelWidth + index * 110 + 14}" y="13" class="axis">${escapeHtml(entry.name)}</text>`,
    )
    .join('');
  const rows = items
    .map((item, row) => {
      const y = top + row * rowHeight;
      const bars = item.values
        .map((value, index) => {
          const w = round(Math.max(0, Math.min(1, value)) * barWidth);
          return `<rect class="bar" x="${labelWidth}" y="${y + index * barHeight}" width="${Math.max(w, 0.5)}" height="${barHeight - 1}" fill="${series[index]!.color}"><title>${escapeHtml(`${item.label} ${series[index]!.name}: ${pct(value)}`)}</title></rect>`;
        })
        .join('');
      return `<text x="${labelWidth - 6}" y="${y + rowHeight / 2 + 1}" class="label" text-anchor="end">${escapeHtml(item.label.length > 34 ? `${item.label.slice(0, 33)}…` : item.label)}</text>${bars}<text x="${labelWidth + barWidth + 6}" y="${y + rowHeight / 2 + 1}" class="axis">${escapeHtml(item.note ?? '')}</text>`;
    })
    .join('');
  const grid = [0.25, 0.5, 0.75, 1]
    .map(
      (tick) =>
        `<line x1="${labelWidth + tick * barWidth}" x2="${labelWidth + tick * barWidth}" y1="${top - 2}" y2="${height - 6}" class="grid"/>`,
    )
    .join('');
  return `<svg id="${id}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${grid}${legend}${rows}</svg>`;
}

/**
 * A confusion matrix as a heatmap, rows normalised by the expected category's support: the
 * diagonal in green, errors in red. Only non-empty cells are drawn; every cell has a tooltip.
 */
export function heatmap(
  labels: readonly string[],
  counts: readonly (readonly number[])[],
  order: readonly number[],
  id: string,
): string {
  const n = order.length;
  const cell = Math.max(4, Math.min(18, Math.floor(760 / (n + 1))));
  const showLabels = cell >= 8;
  const margin = showLabels ? 170 : 12;
  const size = (n + 1) * cell;
  const width = margin + size + 10;
  const height = margin + size + 10;
  const columnOf = (row: number) => row; // columns share the row order; Unknown is last
  const unknownColumn = labels.length - 1;
  const parts: string[] = [
    `<rect x="${margin}" y="${margin}" width="${size}" height="${size - cell}" class="matrix-bg"/>`,
  ];
  order.forEach((rowIndex, rowPosition) => {
    const row = counts[rowIndex]!;
    const support = row.reduce((sum, count) => sum + count, 0);
    const columns = [...order.map(columnOf), unknownColumn];
    columns.forEach((columnIndex, columnPosition) => {
      const count = row[columnIndex] ?? 0;
      if (count === 0) return;
      const rate = support === 0 ? 0 : count / support;
      const diagonal = columnIndex === rowIndex;
      // A square-root scale, so that a 3% confusion is still visible next to a 97% diagonal.
      const light = Math.round(92 - Math.sqrt(rate) * 57);
      const fill = diagonal ? `hsl(140 55% ${light}%)` : `hsl(0 75% ${light}%)`;
      const title = `${labels[rowIndex]} → ${labels[columnIndex]}: ${count} (${pct(rate)} of ${support})`;
      parts.push(
        `<rect class="cell${diagonal ? ' diag' : ''}" x="${margin + columnPosition * cell}" y="${margin + rowPosition * cell}" width="${cell}" height="${cell}" fill="${fill}"><title>${escapeHtml(title)}</title></rect>`,
      );
    });
    if (showLabels) {
      parts.push(
        `<text x="${margin - 4}" y="${margin + rowPosition * cell + cell * 0.75}" class="label" font-size="${Math.min(11, cell - 1)}" text-anchor="end">${escapeHtml(labels[rowIndex]!.slice(0, 28))}</text>`,
      );
      parts.push(
        `<text transform="translate(${margin + rowPosition * cell + cell * 0.75} ${margin - 4}) rotate(-60)" class="label" font-size="${Math.min(11, cell - 1)}">${escapeHtml(labels[rowIndex]!.slice(0, 28))}</text>`,
      );
    }
  });
  if (showLabels)
    parts.push(
      `<text transform="translate(${margin + n * cell + cell * 0.75} ${margin - 4}) rotate(-60)" class="label" font-size="${Math.min(11, cell - 1)}">Unknown</text>`,
    );
  return `<svg id="${id}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${parts.join('')}</svg>`;
}

/**
 * Orders categories so that those confused with each other sit side by side: start from the
 * category with the most errors, then repeatedly append the unplaced category it is most confused
 * with (either way), falling back to the next with the most errors.
 */
export function seriate(counts: readonly (readonly number[])[]): number[] {
  const n = counts.length;
  const errors = counts.map((row, index) =>
    row.reduce((sum, count, column) => (column === index ? sum : sum + count), 0),
  );
  const affinity = (a: number, b: number) => (counts[a]![b] ?? 0) + (counts[b]![a] ?? 0);
  const placed = new Set<number>();
  const order: number[] = [];
  const byErrors = [...Array(n).keys()].sort((a, b) => errors[b]! - errors[a]! || a - b);
  let current: number | undefined;
  while (order.length < n) {
    let next: number | undefined;
    if (current !== undefined) {
      let best = 0;
      for (let candidate = 0; candidate < n; candidate++) {
        if (placed.has(candidate)) continue;
        const value = affinity(current, candidate);
        if (value > best) {
          best = value;
          next = candidate;
        }
      }
    }
    next ??= byErrors.find((candidate) => !placed.has(candidate))!;
    placed.add(next);
    order.push(next);
    current = next;
  }
  return order;
}

/** A line chart of points with x and y from 0 to 1, with an optional marked point. */
export function lineChart(
  points: readonly { x: number; y: number }[],
  options: {
    id: string;
    xLabel: string;
    yLabel: string;
    yMin?: number;
    mark?: { x: number; y: number; label: string };
  },
): string {
  const width = 460;
  const height = 300;
  const left = 52;
  const bottom = 40;
  const plotW = width - left - 16;
  const plotH = height - bottom - 16;
  const yMin = options.yMin ?? 0;
  const sx = (x: number) => round(left + x * plotW);
  const sy = (y: number) => round(16 + (1 - (y - yMin) / (1 - yMin)) * plotH);
  const path = points
    .map(
      (point, index) => `${index === 0 ? 'M' : 'L'}${sx(point.x)},${sy(Math.max(yMin, point.y))}`,
    )
    .join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const yTicks = ticks.map((tick) => yMin + tick * (1 - yMin));
  const axes = [
    ...ticks.map(
      (tick) =>
        `<line x1="${sx(tick)}" x2="${sx(tick)}" y1="16" y2="${16 + plotH}" class="grid"/><text x="${sx(tick)}" y="${16 + plotH + 14}" class="axis" text-anchor="middle">${pct(tick)}</text>`,
    ),
    ...yTicks.map(
      (tick) =>
        `<line x1="${left}" x2="${left + plotW}" y1="${sy(tick)}" y2="${sy(tick)}" class="grid"/><text x="${left - 4}" y="${sy(tick) + 4}" class="axis" text-anchor="end">${pct(tick)}</text>`,
    ),
    `<text x="${left + plotW / 2}" y="${height - 4}" class="axis" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`,
    `<text transform="translate(12 ${16 + plotH / 2}) rotate(-90)" class="axis" text-anchor="middle">${escapeHtml(options.yLabel)}</text>`,
  ].join('');
  const mark = options.mark
    ? `<circle class="mark" cx="${sx(options.mark.x)}" cy="${sy(Math.max(yMin, options.mark.y))}" r="5"><title>${escapeHtml(options.mark.label)}</title></circle><text x="${sx(options.mark.x) + (options.mark.x > 0.55 ? -8 : 8)}" y="${sy(Math.max(yMin, options.mark.y)) + 18}" class="axis" text-anchor="${options.mark.x > 0.55 ? 'end' : 'start'}">${escapeHtml(options.mark.label)}</text>`
    : '';
  return `<svg id="${options.id}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">${axes}<path class="curve" d="${path}" fill="none"/>${mark}</svg>`;
}

/** Vertical bars of counts with labels underneath. */
export function histogram(
  bars: readonly { label: string; count: number; color?: string }[],
  id: string,
): string {
  const width = Math.max(240, bars.length * 64 + 40);
  const height = 200;
  const max = Math.max(1, ...bars.map((bar) => bar.count));
  const plotH = 140;
  const parts = bars.map((bar, index) => {
    const h = round((bar.count / max) * plotH);
    const x = 30 + index * 64;
    return `<rect class="bar" x="${x}" y="${20 + plotH - h}" width="44" height="${Math.max(h, 0.5)}" fill="${bar.color ?? '#4c78a8'}"><title>${escapeHtml(`${bar.label}: ${bar.count}`)}</title></rect><text x="${x + 22}" y="${20 + plotH - h - 4}" class="axis" text-anchor="middle">${bar.count}</text><text x="${x + 22}" y="${20 + plotH + 16}" class="axis" text-anchor="middle">${escapeHtml(bar.label)}</text>`;
  });
  return `<svg id="${id}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img"><line x1="24" x2="${width - 10}" y1="${20 + plotH}" y2="${20 + plotH}" class="grid"/>${parts.join('')}</svg>`;
}

/** One bar split into shares (e.g. who decided), with a legend. */
export function stackedBar(
  parts: readonly { label: string; share: number; color: string }[],
  id: string,
): string {
  const width = 640;
  let x = 0;
  const rects = parts
    .filter((part) => part.share > 0)
    .map((part) => {
      const w = part.share * width;
      const rect = `<rect class="bar" x="${round(x)}" y="0" width="${Math.max(round(w), 0.5)}" height="26" fill="${part.color}"><title>${escapeHtml(`${part.label}: ${pct(part.share)}`)}</title></rect>${w > 70 ? `<text x="${round(x + 6)}" y="17" class="on-bar">${escapeHtml(`${part.label} ${pct(part.share)}`)}</text>` : ''}`;
      x += w;
      return rect;
    })
    .join('');
  return `<svg id="${id}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="28" viewBox="0 0 ${width} 28" role="img">${rects}</svg>`;
}

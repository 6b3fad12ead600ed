// Intelligence reports per hour as SVG bars, oldest on the left; labelled for screen readers.
export function HourBars({ counts, label }: { counts: number[]; label: string }) {
  const max = Math.max(1, ...counts);
  const w = 12;
  const h = 80;
  return (
    <svg
      viewBox={`0 0 ${counts.length * w} ${h + 14}`}
      role="img"
      aria-label={`${label}: ${counts.reduce((a, b) => a + b, 0)} in ${counts.length} hours`}
      className="bars"
    >
      {counts.map((c, i) => (
        <rect key={i} x={i * w + 1} y={h - (c / max) * h} width={w - 2} height={(c / max) * h}>
          <title>{`${counts.length - i} h ago: ${c}`}</title>
        </rect>
      ))}
      <text x={0} y={h + 12}>
        -{counts.length}h
      </text>
      <text x={counts.length * w} y={h + 12} textAnchor="end">
        now
      </text>
    </svg>
  );
}

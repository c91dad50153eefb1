import type { Evaluation } from '../train/index.js';

const percent = (x: number): string => (Number.isNaN(x) ? '  n/a' : `${(x * 100).toFixed(2)}%`);

/** Test accuracy, per-class accuracy and the confusion matrix as readable text. */
export function formatEvaluation(evaluation: Evaluation, title = 'Test'): string {
  const { classNames, perClassAccuracy, confusionMatrix } = evaluation;
  const lines: string[] = [];
  const tta =
    evaluation.tta === 'flip'
      ? ', each averaged with its mirror image (--tta flip)'
      : evaluation.tta === 'flip-translate'
        ? ', each from 6 views: mirrored and moved 1 px (--tta flip-translate)'
        : '';
  lines.push(`${title} accuracy: ${percent(evaluation.accuracy)} on ${evaluation.count.toLocaleString('en-US')} images (loss ${evaluation.loss.toFixed(4)})${tta}`);
  if (evaluation.top5Accuracy !== undefined) lines.push(`${title} top-5 accuracy: ${percent(evaluation.top5Accuracy)}`);
  lines.push('');
  lines.push('Per-class accuracy:');
  const nameWidth = Math.max(5, ...classNames.map((n) => n.length));
  classNames.forEach((name, c) => {
    const support = confusionMatrix[c]?.reduce((a, b) => a + b, 0) ?? 0;
    lines.push(`  ${(name === String(c) ? name : `${String(c).padStart(2)} ${name}`).padEnd(nameWidth + 3)}  ${percent(perClassAccuracy[c]).padStart(7)}  (${support} images)`);
  });
  lines.push('');
  lines.push('Confusion matrix (rows: true class, columns: predicted class):');
  const width = Math.max(4, ...confusionMatrix.flat().map((v) => String(v).length + 1));
  lines.push(`      ${confusionMatrix.map((_, c) => String(c).padStart(width)).join('')}`);
  confusionMatrix.forEach((row, c) => {
    lines.push(`  ${String(c).padStart(2)}  ${row.map((v) => String(v).padStart(width)).join('')}`);
  });
  return lines.join('\n');
}

/** Writes one JSON object on stdout (the machine-readable result of a command). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
}

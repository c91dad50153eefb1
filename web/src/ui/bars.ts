/** Class probabilities as horizontal bars, the most probable highlighted. */
import { el, percent } from './dom.js';

export function renderBars(target: HTMLElement, classNames: readonly string[], probabilities: readonly number[], options: { top?: number; trueClass?: number } = {}): void {
  const order = probabilities.map((p, i) => [p, i] as const);
  const shown = options.top ? [...order].sort((a, b) => b[0] - a[0]).slice(0, options.top) : order;
  const best = order.reduce((a, b) => (b[0] > a[0] ? b : a))[1];
  target.replaceChildren(
    ...shown.map(([p, i]) =>
      el('div', { class: `bar-row${i === best ? ' best' : ''}${i === options.trueClass ? ' true-class' : ''}`, 'data-class': i }, [
        el('span', { class: 'bar-label', title: classNames[i] }, [classNames[i] ?? String(i)]),
        el('span', { class: 'bar-track' }, [el('span', { class: 'bar-fill', style: `width:${(p * 100).toFixed(1)}%` })]),
        el('span', { class: 'bar-value' }, [percent(p)]),
      ]),
    ),
  );
  target.dataset.top = String(best);
}

/** A small helper for building the page: `el('div', { class: 'x' }, [children])`. */
export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, children: Child[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no element #${id}`);
  return node as T;
}

export const percent = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;

export const formatNumber = (x: number): string => Math.round(x).toLocaleString('en-US');

/** Runs `fn` at most once per `ms`, with the last call's arguments. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Shows an error (or clears it with null) in a status element. */
export function showError(target: HTMLElement, error: unknown): void {
  target.textContent = error === null ? '' : error instanceof Error ? error.message : String(error);
  target.hidden = error === null;
}

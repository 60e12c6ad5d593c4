// Small DOM builders for the panel. Text always goes in through textContent, never as HTML.

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

export interface ButtonOptions {
  /** The visible text. */
  label: string;
  /** The accessible name and tooltip, when the label alone is not clear out of context. */
  aria?: string;
  /** A codicon name; decorative (the label says it all). */
  icon?: string;
  /** `primary` for the main action of a group. */
  kind?: 'primary' | 'secondary';
  /** Identifies the button across re-renders, so focus can be put back on it. */
  focusKey?: string;
  pressed?: boolean;
  disabled?: boolean;
  onClick: () => void;
}

export function button(o: ButtonOptions): HTMLButtonElement {
  const b = el('button', { type: 'button', class: o.kind ?? 'secondary' });
  if (o.aria) {
    b.setAttribute('aria-label', o.aria);
    b.title = o.aria;
  }
  if (o.focusKey) b.dataset.focus = o.focusKey;
  if (o.pressed !== undefined) b.setAttribute('aria-pressed', String(o.pressed));
  if (o.disabled) b.disabled = true;
  if (o.icon) b.append(el('span', { class: `codicon codicon-${o.icon}`, 'aria-hidden': 'true' }));
  b.append(el('span', { class: 'label' }, o.label));
  b.addEventListener('click', o.onClick);
  return b;
}

/** Focuses the element with `data-focus="key"` inside `root`, if there is one. */
export function focusKey(root: ParentNode, key: string | undefined): boolean {
  if (!key) return false;
  for (const e of root.querySelectorAll<HTMLElement>('[data-focus]')) {
    if (e.dataset.focus === key) {
      e.focus();
      return true;
    }
  }
  return false;
}

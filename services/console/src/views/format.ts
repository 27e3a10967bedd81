import type { JsonValue } from '../customer-sync/customer-sync.types';
import { html, type SafeHtml } from './html';

/** A field value as text: strings as they are, objects as JSON, nothing as "(empty)". */
export function display(value: JsonValue | undefined): SafeHtml {
  if (value === null || value === undefined || value === '') return html`<em>(empty)</em>`;
  return html`${typeof value === 'object' ? JSON.stringify(value) : String(value)}`;
}

export function time(iso: string | null | undefined): SafeHtml {
  return iso
    ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}</time>`
    : html``;
}

import type { FieldError } from '@switchboard/contracts';

/**
 * Nesting deeper than any event of the contract needs (the deepest, a deal line's field, is four
 * levels down). Validation walks a body recursively, so a body nested thousands of levels deep would
 * exhaust the stack; it is refused before that, naming where it goes too deep.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * What JSON carries but the stores cannot hold faithfully: PostgreSQL's text refuses U+0000, and a
 * lone UTF-16 surrogate (`"\ud800"`) has no UTF-8 form, so it would be stored as U+FFFD. Such a value
 * accepted here would be applied by some consumers and dead-lettered by others.
 */
function unstorable(text: string): string | null {
  if (text.includes('\u0000')) return 'contains U+0000, which text columns cannot store';
  if (!text.isWellFormed()) return 'contains a lone UTF-16 surrogate, which has no UTF-8 form';
  return null;
}

/**
 * The first place where a body breaks the limits every store and consumer shares, before the
 * contract is checked: nesting past `maxDepth`, or a string (value or key) a store cannot hold.
 * Iterative, so that the check itself cannot run out of stack.
 */
export function jsonShapeError(body: unknown, maxDepth = MAX_JSON_DEPTH): FieldError | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: body, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = unstorable(value);
      if (problem) return { field: path || '(body)', message: problem };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth)
      return { field: path || '(body)', message: `nested more than ${maxDepth} levels deep` };
    if (Array.isArray(value)) {
      value.forEach((item, index) =>
        stack.push({ value: item, path: `${path}[${index}]`, depth: depth + 1 }),
      );
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      const problem = unstorable(key);
      if (problem) return { field, message: `its name ${problem}` };
      stack.push({ value: item, path: field, depth: depth + 1 });
    }
  }
  return null;
}

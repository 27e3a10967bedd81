// Writes libs/contracts/asyncapi/ (the AsyncAPI 3 document of every event and its Markdown rendering)
// from the contracts library. Run with `npm run asyncapi:generate`; libs/contracts/src/asyncapi.spec.ts
// fails when the committed files are stale.
import 'reflect-metadata';

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { format, resolveConfig } from 'prettier';

import { renderAsyncApiFiles } from '@switchboard/contracts';

/** Prettier-formatted, as committed (the repository's Prettier settings). */
export async function formattedAsyncApiFiles(outDir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const [name, content] of Object.entries(renderAsyncApiFiles())) {
    const filepath = join(outDir, name);
    files[name] = await format(content, { ...(await resolveConfig(filepath)), filepath });
  }
  return files;
}

async function main(): Promise<void> {
  const outDir = resolve(process.cwd(), 'libs/contracts/asyncapi');
  mkdirSync(outDir, { recursive: true });
  const files = await formattedAsyncApiFiles(outDir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(outDir, name), content);
  console.log(`Wrote ${Object.keys(files).join(', ')} to ${outDir}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const data = process.env.BERTH_DATA_DIR;
const count = readFileSync(join(data, 'hello.count'), 'utf8').trim();
const stats = JSON.parse(readFileSync(join(data, 'hello.stats.json'), 'utf8'));
const report = `rows: ${count}, min: ${stats.min}, max: ${stats.max}, mean: ${stats.mean.toFixed(1)}\n`;
writeFileSync(join(data, 'hello.report.txt'), report);
console.log(`report written to ${join(data, 'hello.report.txt')}: ${report.trim()}`);

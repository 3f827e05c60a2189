// Summarize (JS): reads the table written by the Python step and outputs a summary (JSON) and the
// table as typed-array columns (COLUMNS: one file, read in Python as array.array).
import { getInputs, getStepParam, getPipelineParam, output, outputTable } from 'berth';

const { rows } = getInputs();
const column = getStepParam('column');
const values = rows.map((r) => r[column]);
const summary = {
  count: values.length,
  mean: values.reduce((a, b) => a + b, 0) / values.length,
  max: Math.max(...values),
  greeting: getPipelineParam('greeting'),
};
console.log('summary', summary);
output(summary, 'summary', { multiple: true });
outputTable({ id: Int32Array.from(rows, (r) => r.id), [column]: Float64Array.from(values) }, 'columns', { multiple: true });

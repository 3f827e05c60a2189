import { isEnvVarNameValid } from './env-var-name.ts';
import { describeJsonType, isJsonObject } from './json-object.ts';

type At = (...segments: Array<string | number>) => string;
type Add = (path: string, message: string, fix: string) => void;

const NAME_FIX = 'use only letters, digits, "-" and "_" in variable names';

/** Checks a service's `env_variables` ({NAME: string}) and `env_variables_inherit` ([NAME]). */
export function checkServiceEnvironment(service: Record<string, unknown>, at: At, add: Add): void {
  const vars = service.env_variables;
  if (vars !== undefined) {
    if (!isJsonObject(vars)) {
      add(at('env_variables'), `must be an object of NAME: "value", not ${describeJsonType(vars)}`, 'write {"NAME": "value"}');
    } else {
      for (const [name, value] of Object.entries(vars)) {
        if (!isEnvVarNameValid(name)) add(at('env_variables', name), `"${name}" is not a valid variable name`, NAME_FIX);
        if (typeof value === 'string' && value.includes('\0')) add(at('env_variables', name), 'the value contains a NUL character', 'remove the NUL character (\\u0000): a process environment cannot hold it');
        if (typeof value !== 'string') {
          add(
            at('env_variables', name),
            `the value must be a string, not ${describeJsonType(value)}`,
            'write the value as a string, e.g. "5" rather than 5',
          );
        }
      }
    }
  }
  const inherit = service.env_variables_inherit;
  if (inherit === undefined) return;
  if (!Array.isArray(inherit)) {
    add(at('env_variables_inherit'), `must be an array of variable names, not ${describeJsonType(inherit)}`, 'write ["NAME", …]');
    return;
  }
  inherit.forEach((name: unknown, i) => {
    if (typeof name !== 'string') add(at('env_variables_inherit', i), `must be a variable name (a string), not ${describeJsonType(name)}`, NAME_FIX);
    else if (!isEnvVarNameValid(name)) add(at('env_variables_inherit', i), `"${name}" is not a valid variable name`, NAME_FIX);
  });
}

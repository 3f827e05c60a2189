/** Well-known images and their ports, in the order Orchest's 1.1.0 migration checked them. */
const KNOWN_IMAGE_PORTS: ReadonlyArray<readonly [string, number]> = [
  ['redis', 6379],
  ['postgres', 5432],
  ['streamlit', 8501],
  ['mysql', 3306],
  ['rabbitmq', 5672],
  ['tensorflow', 6006],
  ['voila', 8866],
  ['mlflow', 5000],
  ['shiny', 8000],
];

export const FALLBACK_SERVICE_PORT = 8080;

/**
 * The port given to an old service that declared none: chosen from the image name
 * (`bitnami/redis:7` → 6379, `orchest/streamlit` → 8501), otherwise 8080.
 */
export function defaultServicePort(image: unknown): number {
  if (typeof image !== 'string') return FALLBACK_SERVICE_PORT;
  const lower = image.toLowerCase();
  for (const [word, port] of KNOWN_IMAGE_PORTS) if (lower.includes(word)) return port;
  return FALLBACK_SERVICE_PORT;
}

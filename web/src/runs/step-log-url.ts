/** The followed (Server-Sent Events) log of a run's step. */
export function stepLogUrl(run: string, step: string): string {
  return `/api/runs/${encodeURIComponent(run)}/steps/${encodeURIComponent(step)}/logs?follow=1`;
}

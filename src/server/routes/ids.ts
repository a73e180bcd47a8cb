/** Path ids are checked before any store lookup: a malformed id is simply not found. */
import { isValidId } from '../../shared/validate.ts';
import type { HttpError } from '../http/errors.ts';

export function checkId(raw: string | undefined, notFound: () => HttpError): string {
  if (raw === undefined || !isValidId(raw)) throw notFound();
  return raw;
}

/** @module GET/POST /api/v1/format_query: the query printed in canonical form, or bad_data. */
import { parseExpr } from '../../promql/parser.ts';
import { printExpr } from '../../promql/printer.ts';
import type { Endpoint } from './endpoint.ts';
import { ApiError } from './respond.ts';

export function formatQueryEndpoint(): Endpoint {
  return async (form) => {
    const query = form.get('query');
    if (query === '') throw new ApiError('bad_data', 'invalid parameter "query": query parameter is required');
    let text: string;
    try {
      text = printExpr(parseExpr(query));
    } catch (e) {
      throw new ApiError('bad_data', `invalid parameter "query": ${(e as Error).message}`);
    }
    return { dataJson: JSON.stringify(text), warnings: [] };
  };
}

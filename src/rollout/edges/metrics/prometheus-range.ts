import {
  type ApiResponse,
  type PrometheusApiRequest,
  PrometheusQueryError,
  parseSampleValue,
  postPrometheusApi,
} from "./prometheus-query";

/**
 * One range query (`/api/v1/query_range`) against Prometheus or Cloud Monitoring's PromQL
 * endpoint. Evaluating a runner query at each check time over a range gives the value the runner
 * would have read at that time, which is what a recorded trace needs.
 */
export interface RangeQueryRequest extends PrometheusApiRequest {
  /** `<baseUrl>/api/v1/query_range`. */
  url: string;
  query: string;
  /** Epoch seconds, inclusive both ends. */
  start: number;
  end: number;
  stepSeconds: number;
}

/** Evaluation time (epoch ms) → value; an evaluation with no sample is simply absent (a gap). */
export type RangeValues = Map<number, number | null>;

/**
 * Reads the one series a runner query yields over a range. No series at all is a range without
 * data (every check a gap); several mean the query is not aggregated, which would mix sides.
 */
export function parseRangeResult(body: ApiResponse): RangeValues {
  if (body.status !== "success" || !body.data) {
    throw new PrometheusQueryError(`not a Prometheus API response (status ${JSON.stringify(body.status)})`);
  }
  const { resultType, result } = body.data;
  if (resultType !== "matrix" || !Array.isArray(result)) {
    throw new PrometheusQueryError(
      `expected a range (matrix) result, got resultType ${JSON.stringify(resultType)}`,
    );
  }
  const values: RangeValues = new Map();
  if (result.length === 0) return values;
  if (result.length > 1) {
    throw new PrometheusQueryError(`expected one series, got ${result.length}; the query must aggregate`);
  }
  const points = (result[0] as { values?: unknown }).values;
  if (!Array.isArray(points)) throw new PrometheusQueryError("a matrix series without values");
  for (const point of points) {
    if (!Array.isArray(point) || point.length !== 2 || typeof point[0] !== "number") {
      throw new PrometheusQueryError(`malformed sample: ${JSON.stringify(point)}`);
    }
    // Timestamps come back as float seconds; the grid is whole milliseconds.
    values.set(Math.round(point[0] * 1000), parseSampleValue(point[1]));
  }
  return values;
}

export async function rangeQuery(request: RangeQueryRequest): Promise<RangeValues> {
  const body = await postPrometheusApi(request, {
    query: request.query,
    start: request.start.toFixed(3),
    end: request.end.toFixed(3),
    step: `${request.stepSeconds}s`,
  });
  return parseRangeResult(body);
}

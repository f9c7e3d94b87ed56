// Package promhist is the histogram zhiyi exports its latencies with: Prometheus le buckets,
// one atomic add per observation, written on a metrics.Set as a family of one label whose
// values are fixed when it is made.
//
//	lat := promhist.Durations(set, "zhiyi_session_redis_duration_seconds",
//		"Duration of Redis calls by op.", "op", []string{"load", "save"})
//	load := lat.At(0) // looked up once, not per call
//	start := time.Now()
//	_, err := client.Get(ctx, key).Result()
//	load.Since(start)
//
// VictoriaMetrics/metrics v1.35.1, the version go.mod pins, has only its own Histogram, whose
// buckets are vmrange labels that Prometheus's histogram_quantile cannot read; its
// PrometheusHistogram came later, and takes a mutex per observation. The first of these
// histograms (zhiyi_http_request_duration_seconds) was written by hand for serve; this package
// is that histogram, shared, so that every duration zhiyi exports has the same buckets (100 µs
// to 5 s, LatencyBuckets) and reads with the same queries:
//
//	histogram_quantile(0.99, sum by (le, op) (rate(zhiyi_session_redis_duration_seconds_bucket[5m])))
//
// A series is written once it has an observation, so a family of many values (routes, ops)
// shows only those in use. Durations and Counts return the family already on the set when there
// is one, as metrics.Set's GetOrCreate functions do: two stores sharing a set share the family,
// which the text format wants written once.
package promhist

// Package metrics records the service's Prometheus metrics (github.com/prometheus/client_golang):
// what the HTTP adapter observes, and decorators that time the core's hashing and storage ports.
// Labels are bounded sets (route templates, methods, statuses, outcomes, operations); user ids,
// emails and raw paths never become labels, for the sake of cardinality and privacy.
package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Recorder holds every metric of the service, registered on one registry.
type Recorder struct {
	requests      *prometheus.CounterVec
	inFlight      prometheus.Gauge
	latency       *prometheus.HistogramVec
	logins        *prometheus.CounterVec
	reuse         prometheus.Counter
	malformed     *prometheus.CounterVec
	hashing       *prometheus.HistogramVec
	storeLatency  *prometheus.HistogramVec
	storeFailures *prometheus.CounterVec
}

// New registers the service's metrics, and the Go runtime and process collectors, on reg.
func New(reg prometheus.Registerer) (*Recorder, error) {
	r := &Recorder{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authd_http_requests_total",
			Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "authd_http_requests_in_flight",
			Help: "HTTP requests begun and not yet answered, a scrape of this one included.",
		}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "authd_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route template and method.",
			// Logins spend tens of milliseconds in argon2; most other requests are far faster.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authd_logins_total",
			Help: "Login attempts by outcome: success, bad_credentials, throttled, inactive or error.",
		}, []string{"outcome"}),
		reuse: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "authd_refresh_token_reuse_total",
			Help: "Spent refresh tokens presented again; each revoked its session.",
		}),
		malformed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authd_http_malformed_bodies_total",
			Help: "Request bodies that could not be read, answered 400 malformed_body, by reason: truncated, chunked or timeout.",
		}, []string{"reason"}),
		hashing: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "authd_password_hash_duration_seconds",
			Help:    "Time spent hashing (op=hash) or checking (op=verify) a password.",
			Buckets: []float64{.005, .01, .02, .03, .05, .075, .1, .15, .25, .5, 1, 2.5},
		}, []string{"op"}),
		storeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "authd_db_operation_duration_seconds",
			Help:    "Time of a database operation, by store and operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"store", "operation"}),
		storeFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authd_db_operation_errors_total",
			Help: "Database operations that failed, by store and operation; expected answers such as not found or conflict are not failures.",
		}, []string{"store", "operation"}),
	}
	for _, c := range []prometheus.Collector{
		r.requests, r.inFlight, r.latency, r.logins, r.reuse, r.malformed, r.hashing, r.storeLatency, r.storeFailures,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Request counts one answered HTTP request; route is the matched template, never the raw path.
func (r *Recorder) Request(route, method string, status int, took time.Duration) {
	r.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	r.latency.WithLabelValues(route, method).Observe(took.Seconds())
}

// Login counts one login attempt with its outcome.
func (r *Recorder) Login(outcome string) { r.logins.WithLabelValues(outcome).Inc() }

// RefreshReused counts one detected refresh-token reuse.
func (r *Recorder) RefreshReused() { r.reuse.Inc() }

// InFlight counts a request begun (delta 1) or answered (delta -1).
func (r *Recorder) InFlight(delta int) { r.inFlight.Add(float64(delta)) }

// MalformedBody counts one request body that could not be read; reason is one of a fixed few.
func (r *Recorder) MalformedBody(reason string) { r.malformed.WithLabelValues(reason).Inc() }

"""What operators watch: request metrics, queue gauges and counters in Prometheus format."""

"""One-stop settlement (一站式结算): the scalar engine, the batch engine, requests, results."""

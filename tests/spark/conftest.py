"""One SparkSession for the whole test session (starting Spark costs seconds).

Where no Java 17+ is found the Spark tests skip with the reason; under CI (``CI=true``)
a missing Java fails the run instead, so a CI machine without Java cannot pass silently.
"""

from __future__ import annotations

import logging
import os

import pytest


@pytest.fixture(scope="session")
def spark_backend(tmp_path_factory):
    from xuncha_audit.db.spark import java_problem

    problem = java_problem()
    if problem:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"CI=true but Spark cannot start: {problem}")
        pytest.skip(problem)
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[dev]')")
    from xuncha_audit.db.spark import SparkBackend, start_session

    logging.getLogger("py4j").setLevel(logging.ERROR)
    # The case tables are a few rows: compiling generated Java for every query cost more than
    # running it (15 cases: 78 s with code generation, 56 s interpreted, same results). Real runs
    # keep Spark's default; what the differential tests compare is our SQL and its translation.
    conf = {"spark.local.dir": str(tmp_path_factory.mktemp("spark-local")),
            "spark.sql.codegen.factoryMode": "NO_CODEGEN",
            "spark.sql.shuffle.partitions": "2"}
    session = start_session("local[2]", conf=conf)
    session.sparkContext.setLogLevel("ERROR")
    backend = SparkBackend(session)
    yield backend
    backend.close()
    session.stop()

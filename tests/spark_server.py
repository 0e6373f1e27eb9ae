"""A Spark SQL Thrift server for the tests: a local SparkSession (UTC, in-memory catalog) served
on 127.0.0.1:PORT by HiveThriftServer2, as users reach Spark through hive://. Prints READY when
it serves, then runs until its stdin closes (the test session ends).

    python tests/spark_server.py PORT WAREHOUSE_DIR
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession


def main(port: int, warehouse_dir: str) -> None:
    spark = (SparkSession.builder.master("local[2]").appName("monitors-tests")
             .config("spark.sql.warehouse.dir", warehouse_dir)
             .config("spark.sql.catalogImplementation", "in-memory")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.memory", "1g")
             .config("spark.hadoop.hive.server2.thrift.port", str(port))
             .config("spark.hadoop.hive.server2.thrift.bind.host", "127.0.0.1")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    jvm.org.apache.spark.sql.hive.thriftserver.HiveThriftServer2.startWithContext(
        spark._jsparkSession.sqlContext())
    print("READY", flush=True)
    sys.stdin.read()
    spark.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])

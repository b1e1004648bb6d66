"""The SparkSession every job of the Spark peer starts, as the seed's jobs
build theirs: Delta's session extension and catalog, with the Delta jars
(configure_spark_with_delta_pip) and the Kafka connector pulled by
spark.jars.packages.

Deployment settings (where Ivy resolves and caches) live in
SPARK_CONF_DIR/spark-defaults.conf, written by bench/spark/setup, as a Spark
deployment would keep them; the jobs only say what they need.
"""
from delta import configure_spark_with_delta_pip
from pyspark.sql import SparkSession

# 4.0.0, not 4.0.1: 4.0.1's spark-token-provider-kafka dependency does not
# resolve from Maven Central.
KAFKA_PACKAGE = "org.apache.spark:spark-sql-kafka-0-10_2.13:4.0.0"


def create_spark_session(app_name: str) -> SparkSession:
    builder = (SparkSession.builder
               .master("local[2]")
               .appName(app_name)
               .config("spark.driver.memory", "2g")
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
               # Event-time partitions and output timestamps in UTC, as
               # bench/run's own jobs run (--timezone UTC).
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.showConsoleProgress", "false"))
    return configure_spark_with_delta_pip(builder, extra_packages=[KAFKA_PACKAGE]).getOrCreate()

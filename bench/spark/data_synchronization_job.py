"""The seed's synchronization job: a Structured Streaming query that appends
every raw record of a Kafka topic to a Delta table partitioned by the
record's event time (year, month, day, hour), with its Kafka partition and
offset, so that a reprocessing job can select records by offset.

Runs until stopped, as a streaming job does (bench/run stops it once the
table holds every record):
    python data_synchronization_job.py --brokers HOST:PORT --topic visits \
        --table /path/visits_table --checkpoint /path/checkpoint
"""
import argparse

from pyspark.sql import functions as F

from shared_job_logic import VISIT_SCHEMA
from spark_session import create_spark_session


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--brokers", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--checkpoint", required=True)
    args = p.parse_args()

    spark = create_spark_session("data_synchronization_job")
    records = (spark.readStream.format("kafka")
               .option("kafka.bootstrap.servers", args.brokers)
               .option("subscribe", args.topic)
               .option("startingOffsets", "earliest")
               .load())
    event_time = F.from_json(F.col("value"), VISIT_SCHEMA).getField("event_time")
    raw_rows = (records.selectExpr("CAST(value AS STRING) AS value", "partition", "offset")
                .withColumn("event_time", event_time)
                .select("value", "partition", "offset",
                        F.year("event_time").alias("year"), F.month("event_time").alias("month"),
                        F.dayofmonth("event_time").alias("day"), F.hour("event_time").alias("hour")))
    query = (raw_rows.writeStream.format("delta")
             .partitionBy("year", "month", "day", "hour")
             .option("checkpointLocation", args.checkpoint)
             .start(args.table))
    query.awaitTermination()


if __name__ == "__main__":
    main()

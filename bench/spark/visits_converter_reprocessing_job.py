"""The seed's reprocessing job: a batch job that reads the rows of an offset
range from the synchronized Delta table, runs the shared visits logic on
them and writes the results to the output topic.
    python visits_converter_reprocessing_job.py START END --brokers HOST:PORT \
        --table /path/visits_table --output-topic visits_transformed
START and END are inclusive and apply to every Kafka partition, as in the
seed (`python visits_converter_reprocessing_job.py 0 2`).
"""
import argparse

from shared_job_logic import rename_columns
from spark_session import create_spark_session


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("start_offset", type=int)
    p.add_argument("end_offset", type=int)
    p.add_argument("--brokers", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--output-topic", required=True)
    args = p.parse_args()

    spark = create_spark_session("visits_converter_reprocessing_job")
    rows = (spark.read.format("delta").load(args.table)
            .filter(f"offset >= {args.start_offset} AND offset <= {args.end_offset}"))
    (rename_columns(rows).write.format("kafka")
     .option("kafka.bootstrap.servers", args.brokers)
     .option("topic", args.output_topic)
     .save())
    spark.stop()


if __name__ == "__main__":
    main()

"""The visits logic of the seed, shared by its streaming and reprocessing
jobs: a visit's JSON in, the same visit with renamed fields out, as JSON.
Spark's from_json/to_json semantics are what the project's visits logic
reproduces (src/logic/visits_logic.*)."""
from pyspark.sql import DataFrame

VISIT_SCHEMA = "event_id STRING, visit_id LONG, event_time TIMESTAMP, page STRING"


def rename_columns(visits: DataFrame) -> DataFrame:
    parsed = visits.selectExpr(f"FROM_JSON(CAST(value AS STRING), '{VISIT_SCHEMA}') AS visit")
    renamed = parsed.selectExpr("visit.event_id AS event_identifier", "visit.visit_id AS visit_identifier",
                                "visit.event_time", "visit.page AS visited_page")
    return renamed.selectExpr("TO_JSON(STRUCT(*)) AS value")

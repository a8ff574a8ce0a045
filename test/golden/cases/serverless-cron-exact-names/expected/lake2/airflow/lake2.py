# snowstage pipeline lake2: Apache Airflow DAG
# Generated from pipeline.yaml, tables/every_type.yaml, tables/hostile.yaml. Do not edit: change the metadata and run `snowstage generate`.
#
# One extraction task per table runs `snowstage extract --table <table>`, then a task runs that
# table's MERGE task at once (EXECUTE TASK) so target tables follow each extraction; `snowstage status`
# runs last and fails the DAG run when it reports a problem. The S3 lease stays the real per-table lock:
# max_active_runs and max_active_tis_per_dag only keep Airflow from queueing overlapping runs.
# Follows (Airflow 2.4+ and 3.x):
#   DAG arguments: https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html
#   DockerOperator: https://airflow.apache.org/docs/apache-airflow-providers-docker/stable/_api/airflow/providers/docker/operators/docker/index.html
#   SQLExecuteQueryOperator: https://airflow.apache.org/docs/apache-airflow-providers-common-sql/stable/operators.html
#   EXECUTE TASK: https://docs.snowflake.com/en/sql-reference/sql/execute-task
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
from airflow.providers.docker.operators.docker import DockerOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from lake_ops.alerts import page_on_call as snowstage_on_failure

with DAG(
    dag_id="snowstage_lake2",
    schedule="5 */2 * * 1-5",
    start_date=pendulum.datetime(2024, 1, 1, tz="America/New_York"),
    catchup=False,
    max_active_runs=1,
    tags=["snowstage"],
    default_args={
        "retries": 0,
        "retry_delay": timedelta(seconds=45),
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": snowstage_on_failure,
    },
) as dag:
    # table every_type
    extract_every_type = DockerOperator(
        task_id="extract_every_type",
        image="registry.example.com/data/snowstage:1.4.0",
        command=["extract", "--table", "every_type"],
        pool="mysql \"legacy\" {{ pool }} \\ 'x' \xe9 \U0001f600",
        max_active_tis_per_dag=1,
    )
    merge_now_every_type = SQLExecuteQueryOperator(
        task_id="merge_now_every_type",
        conn_id="snowflake_lake",
        sql="EXECUTE TASK \"Lake\".\"Raw Zone\".\"EveryType_MERGE\"",
    )

    # table hostile
    extract_hostile = DockerOperator(
        task_id="extract_hostile",
        image="registry.example.com/data/snowstage:1.4.0",
        command=["extract", "--table", "hostile"],
        pool="mysql \"legacy\" {{ pool }} \\ 'x' \xe9 \U0001f600",
        max_active_tis_per_dag=1,
    )
    merge_now_hostile = SQLExecuteQueryOperator(
        task_id="merge_now_hostile",
        conn_id="snowflake_lake",
        sql="EXECUTE TASK \"Lake\".\"Raw Zone\".\"We'ird\"\"; DROP TABLE y; --_MERGE\"",
    )

    check_status = DockerOperator(
        task_id="check_status",
        image="registry.example.com/data/snowstage:1.4.0",
        command=["status"],
    )

    extract_every_type >> merge_now_every_type >> check_status
    extract_hostile >> merge_now_hostile >> check_status

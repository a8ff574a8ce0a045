# snowstage pipeline bookstore: Apache Airflow DAG
# Generated from pipeline.yaml, tables/book_reviews.yaml, tables/books.yaml. Do not edit: change the metadata and run `snowstage generate`.
#
# One extraction task per table runs `snowstage extract --table <table>`; `snowstage status`
# runs last and fails the DAG run when it reports a problem. The S3 lease stays the real per-table lock:
# max_active_runs and max_active_tis_per_dag only keep Airflow from queueing overlapping runs.
# Follows (Airflow 2.4+ and 3.x):
#   DAG arguments: https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html
#   BashOperator: https://airflow.apache.org/docs/apache-airflow-providers-standard/stable/operators/bash.html
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
from airflow.providers.standard.operators.bash import BashOperator

with DAG(
    dag_id="snowstage_bookstore",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["snowstage"],
    default_args={
        "retries": 2,
        "retry_delay": timedelta(seconds=300),
        "execution_timeout": timedelta(minutes=30),
    },
) as dag:
    # table book_reviews
    extract_book_reviews = BashOperator(
        task_id="extract_book_reviews",
        bash_command="/opt/snowstage/node_modules/.bin/snowstage extract --table book_reviews",
        cwd="/opt/snowstage",
        append_env=True,
        pool="snowstage_mysql",
        max_active_tis_per_dag=1,
    )

    # table books
    extract_books = BashOperator(
        task_id="extract_books",
        bash_command="/opt/snowstage/node_modules/.bin/snowstage extract --table books",
        cwd="/opt/snowstage",
        append_env=True,
        pool="snowstage_mysql",
        max_active_tis_per_dag=1,
    )

    check_status = BashOperator(
        task_id="check_status",
        bash_command="/opt/snowstage/node_modules/.bin/snowstage status",
        cwd="/opt/snowstage",
        append_env=True,
    )

    extract_book_reviews >> check_status
    extract_books >> check_status

-- Run once by the postgres image on an empty volume: Prefect's server keeps its own database.
CREATE DATABASE prefect;

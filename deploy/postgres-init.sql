-- Each service owns its database.
CREATE DATABASE ai_server;
CREATE DATABASE app_server;
\c ai_server
CREATE EXTENSION IF NOT EXISTS vector;

# Stand-in for postgres:15-bookworm (deploy/verify, no registry): Debian 12's PostgreSQL 15 with
# the part of the official entrypoint compose.yaml uses (POSTGRES_USER, _PASSWORD, _DB).
FROM tunesmith-standin/debian:bookworm
LABEL org.opencontainers.image.description="tunesmith deploy/verify stand-in (Debian postgresql)"
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
# The Debian package's own user (its uid is whatever the package gave it).
# hadolint ignore=DL3066
USER postgres
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]

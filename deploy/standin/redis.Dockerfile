# Stand-in for redis:7-bookworm (deploy/verify, no registry): Debian 12's Redis 7.0, reachable
# from the other containers as the official image's entrypoint makes it (protected mode off).
FROM tunesmith-standin/debian:bookworm
LABEL org.opencontainers.image.description="tunesmith deploy/verify stand-in (Debian redis-server)"
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server redis-tools \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* \
    && mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# The Debian package's own user (its uid is whatever the package gave it).
# hadolint ignore=DL3066
USER redis
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["redis-server"]

# Stand-in for python:3.11-slim-bookworm, built by deploy/verify only where no container
# registry can be reached: Debian 12's Python 3.11 on a debootstrap minbase root.
FROM tunesmith-standin/debian:bookworm
LABEL org.opencontainers.image.description="tunesmith deploy/verify stand-in (Debian python3)"
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* \
    && ln -s /usr/bin/python3 /usr/local/bin/python
CMD ["python3"]

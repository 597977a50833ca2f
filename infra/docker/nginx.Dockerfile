# syntax=docker/dockerfile:1
# The single entry point: nginx with CareWatch's config (infra/nginx), the staff console's static files and a
# development TLS certificate made on first start. Runs as the unprivileged `nginx` user on ports 8080/8443
# (compose publishes them as 80/443 by default).
ARG NGINX_IMAGE=nginx:1.27.5-bookworm
FROM ${NGINX_IMAGE}
# openssl makes the dev certificate (infra/nginx/dev-certificate.sh); curl serves the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl curl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/carewatch/tls /var/lib/carewatch/nginx \
 && chown -R nginx:nginx /var/lib/carewatch
COPY infra/nginx/carewatch.conf.template infra/nginx/render.sh infra/nginx/dev-certificate.sh \
     infra/nginx/docker-entrypoint.sh /etc/carewatch/
COPY infra/console /usr/share/carewatch/console
RUN rm -f /usr/share/carewatch/console/*.test.ts
ENV NGINX_RUN_DIR=/var/lib/carewatch/nginx \
    TLS_DIR=/var/lib/carewatch/tls \
    CONSOLE_ROOT=/usr/share/carewatch/console \
    HTTP_PORT=8080 \
    HTTPS_PORT=8443 \
    NGINX_RESOLVER=127.0.0.11 \
    ACCESS_LOG=/dev/stdout \
    ERROR_LOG=/dev/stderr
USER nginx
EXPOSE 8080 8443
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsk", "-o", "/dev/null", "https://127.0.0.1:8443/nginx-health"]
ENTRYPOINT ["/bin/sh", "/etc/carewatch/docker-entrypoint.sh"]

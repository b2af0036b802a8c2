#!/bin/sh
# Entrypoint guard of every service of docker-compose.yml: refuse to start while a setting still
# holds a `change-me` placeholder of .env.example (names the variables, never their values),
# then run the image's own entrypoint and command unchanged ("$@").
bad=$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*change-me.*$/\1/p' | sort -u | tr '\n' ' ')
if [ -n "$bad" ]; then
    echo "publics: refusing to start: replace the change-me placeholders of .env.example in .env: $bad" >&2
    exit 78
fi
exec "$@"

# The operator's image: its Python package (built from python.Dockerfile like every service,
# named in the FROM line the build script writes above this) plus what it renders with: the
# helm binary and the umbrella chart (its library chart copied in, not linked).
COPY helm /usr/bin/helm
COPY charts/ /opt/mercado/charts/
ENV MERCADO_OPERATOR_HELM=/usr/bin/helm \
    MERCADO_OPERATOR_CHART=/opt/mercado/charts/mercado
USER 65532:65532

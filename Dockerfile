# A minimal crossrank server image: installs the package and runs `crossrank serve`.
# Mount or bake in a model folder and point MODEL_ID at it:
#   docker run -p 8080:80 -v "$PWD/models:/models" -e MODEL_ID=/models/bge-reranker-v2-m3 crossrank
FROM node:20-bookworm-slim
RUN npm install --global crossrank && npm cache clean --force
ENV CROSSRANK_HOST=0.0.0.0 PORT=80
EXPOSE 80
ENTRYPOINT ["crossrank", "serve"]

"""The web application (应用服务): the app factory that mounts the three web faces — the national
interface, the bureau API and the console — side by side, the dependencies they share, the JSON
request log and the entry point `yibao serve` runs under uvicorn."""

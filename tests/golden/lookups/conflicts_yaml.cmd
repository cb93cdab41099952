run conflicts.pol --facts deliveries.json conflicts.yaml --format csv

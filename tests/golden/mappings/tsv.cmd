run policy.pol --facts Shipment=shipments.tsv

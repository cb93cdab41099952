run policy.pol --facts Shipment=register.csv --mapping year_precision.polmap

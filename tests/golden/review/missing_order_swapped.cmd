run missing_order.pol --facts missing_order_swapped.json --explain

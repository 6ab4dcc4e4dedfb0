"""The system of record: catalogue, warranty, cases and the service operations around them."""

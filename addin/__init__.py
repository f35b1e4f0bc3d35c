"""The Excel add-in (ribbon, UDF adapters, the .xlam build). Built in its own issue; the scoring
functions it will expose already live in `udfs.vocabulary`."""

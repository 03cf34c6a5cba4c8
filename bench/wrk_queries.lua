-- wrk_queries.lua - wrk request generator: cycles through the /search query strings of a
-- query file (lines "label<TAB>query string"), keeping only the labels listed in $LABELS
-- (comma-separated; all when unset).
local file = os.getenv("QUERIES") or "bench/queries.txt"
local wanted = os.getenv("LABELS")
local keep = {}
if wanted and wanted ~= "" then
  for l in string.gmatch(wanted, "[^,]+") do keep[l] = true end
end
local queries = {}
for line in io.lines(file) do
  local label, q = string.match(line, "^([^#\t][^\t]*)\t(.*)$")
  if q and (next(keep) == nil or keep[label]) then
    table.insert(queries, "/search?" .. q)
  end
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", queries[(n % #queries) + 1])
end

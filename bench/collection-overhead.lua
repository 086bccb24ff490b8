-- wrk script for bench/collection-overhead.mjs: 80 % GET /products/:id (Redis-cached after the
-- first read, PostgreSQL on a miss), 20 % GET /products?page (PostgreSQL).
-- Environment: PRODUCTS (highest product id).
local products = tonumber(os.getenv("PRODUCTS") or "1000")

function init(args)
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1000000))
end

function request()
  if math.random() < 0.8 then
    return wrk.format("GET", "/products/" .. math.random(1, products))
  end
  return wrk.format("GET", "/products?page=" .. math.random(1, 20) .. "&limit=20")
end

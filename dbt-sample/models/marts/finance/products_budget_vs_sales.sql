with order_lines as (

    select * from {{ ref('fct_orders_products') }}

),

budget as (

    select * from {{ ref('stg_budget') }}

),

-- every product, deleted ones included: a deleted product keeps what it sold
products as (

    select * from {{ ref('stg_products') }}

),

-- units and income of each product in each shop-local month (never the all-time figure)
monthly_sales as (

    select
        product_id,
        order_month as calendar_month,
        sum(quantity) as units_sold,
        sum(line_amount_usd) as revenue_usd
    from order_lines
    group by product_id, order_month

),

monthly_budget as (

    select
        product_id,
        budget_month as calendar_month,
        sum(budget_quantity) as budget_quantity
    from budget
    group by product_id, budget_month

),

product_months as (

    select
        product_id,
        calendar_month
    from monthly_sales
    union
    select
        product_id,
        calendar_month
    from monthly_budget

),

final as (

    select
        {{ surrogate_key(['product_months.product_id', 'product_months.calendar_month']) }} as product_month_id,
        product_months.product_id,
        products.product_name,
        products.is_deleted,
        product_months.calendar_month,
        monthly_budget.budget_quantity is not null as has_budget,
        coalesce(monthly_budget.budget_quantity, 0) as budget_quantity,
        coalesce(monthly_sales.units_sold, 0) as units_sold,
        coalesce(monthly_sales.revenue_usd, 0) as revenue_usd,
        coalesce(monthly_sales.units_sold, 0) - coalesce(monthly_budget.budget_quantity, 0) as units_over_budget,
        coalesce(monthly_sales.units_sold, 0) > coalesce(monthly_budget.budget_quantity, 0) as is_over_budget
    from product_months
    inner join products
        on product_months.product_id = products.product_id
    left join monthly_sales
        on
            product_months.product_id = monthly_sales.product_id
            and product_months.calendar_month = monthly_sales.calendar_month
    left join monthly_budget
        on
            product_months.product_id = monthly_budget.product_id
            and product_months.calendar_month = monthly_budget.calendar_month

)

select * from final

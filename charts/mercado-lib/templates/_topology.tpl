{{/*
The shop's topology, generated from the mercado_topology package: do not edit.
Regenerate with `make charts` (python -m mercado_topology charts).
*/}}
{{- define "mercado.topology" -}}
{
  "services": {
    "catalog": {
      "port": 8101,
      "module": "mercado_catalog",
      "envPrefix": "MERCADO_CATALOG_",
      "database": true,
      "messaging": true,
      "mail": false,
      "public": false,
      "livenessPath": "/healthz",
      "readinessPath": "/readyz",
      "calls": [],
      "accepts": [],
      "callers": [
        "orders",
        "gateway"
      ],
      "publishes": [
        "product.created",
        "product.updated",
        "product.deleted"
      ],
      "consumes": [
        "inventory.stock_changed"
      ]
    },
    "inventory": {
      "port": 8102,
      "module": "mercado_inventory",
      "envPrefix": "MERCADO_INVENTORY_",
      "database": true,
      "messaging": true,
      "mail": false,
      "public": false,
      "livenessPath": "/healthz",
      "readinessPath": "/readyz",
      "calls": [],
      "accepts": [
        {
          "token": "orders",
          "env": "MERCADO_INVENTORY_ACCEPTED_CALLERS__ORDERS"
        }
      ],
      "callers": [
        "orders"
      ],
      "publishes": [
        "stock_changed",
        "low_stock"
      ],
      "consumes": [
        "catalog.product.created"
      ]
    },
    "bank": {
      "port": 8109,
      "module": "mercado_bank",
      "envPrefix": "MERCADO_BANK_",
      "database": true,
      "messaging": true,
      "mail": false,
      "public": false,
      "livenessPath": "/healthz",
      "readinessPath": "/readyz",
      "calls": [],
      "accepts": [
        {
          "token": "payment",
          "env": "MERCADO_BANK_ACCEPTED_CALLERS__PAYMENT"
        }
      ],
      "callers": [
        "payment"
      ],
      "publishes": [],
      "consumes": []
    },
    "payment": {
      "port": 8104,
      "module": "mercado_payment",
      "envPrefix": "MERCADO_PAYMENT_",
      "database": true,
      "messaging": true,
      "mail": false,
      "public": false,
      "livenessPath": "/healthz",
      "readinessPath": "/readyz",
      "calls": [
        {
          "target": "bank",
          "port": 8109,
          "urlEnv": "MERCADO_PAYMENT_BANK__URL",
          "token": "payment",
          "tokenEnv": "MERCADO_PAYMENT_BANK__TOKEN"
        }
      ],
      "accepts": [
        {
          "token": "orders",
          "env": "MERCADO_PAYMENT_ACCEPTED_CALLERS__ORDERS"
        }
      ],
      "callers": [
        "orders"
      ],
      "publishes": [
        "payment.succeeded",
        "payment.failed",
        "payment.refunded"
      ],
      "consumes": []
    },
    "orders": {
      "port": 8103,
      "module": "mercado_orders",
      "envPrefix": "MERCADO_ORDERS_",
      "database": true,
      "messaging": true,
      "mail": false,
      "public": false,
      "livenessPath": "/healthz",
      "readinessPath": "/readyz",
      "calls": [
        {
          "target": "catalog",
          "port": 8101,
          "urlEnv": "MERCADO_ORDERS_CATALOG__URL",
          "token": "",
          "tokenEnv": ""
        },
        {
          "target": "inventory",
          "port": 8102,
          "urlEnv": "MERCADO_ORDERS_INVENTORY__URL",
          "token": "orders",
          "tokenEnv": "MERCADO_ORDERS_INVENTORY__TOKEN"
        },
        {
          "target": "payment",
          "port": 8104,
          "urlEnv": "MERCADO_ORDERS_PAYMENT__URL",
          "token": "orders",
          "tokenEnv": "MERCADO_ORDERS_PAYMENT__TOKEN"
        }
      ],
      "accepts": [
        {
          "token": "gateway",
          "env": "MERCADO_ORDERS_ACCEPTED_CALLERS__GATEWAY"
        }
      ],
      "callers": [
        "gateway"
      ],
      "publishes": [
        "order.placed",
        "order.confirmed",
        "order.cancelled"
      ],
      "consumes": []
    },
    "notifications": {
      "port": 8105,
      "module": "mercado_notifications",
      "envPrefix": "MERCADO_NOTIFICATIONS_",
      "database": true,
      "messaging": true,
      "mail": true,
      "public": false,
      "livenessPath": "/healthz",
      "readinessPath": "/readyz",
      "calls": [],
      "accepts": [],
      "callers": [],
      "publishes": [],
      "consumes": [
        "orders.order.confirmed",
        "orders.order.cancelled",
        "inventory.low_stock"
      ]
    },
    "gateway": {
      "port": 8080,
      "module": "mercado_gateway",
      "envPrefix": "MERCADO_GATEWAY_",
      "database": false,
      "messaging": false,
      "mail": false,
      "public": true,
      "livenessPath": "/healthz",
      "readinessPath": "/readyz",
      "calls": [
        {
          "target": "catalog",
          "port": 8101,
          "urlEnv": "MERCADO_GATEWAY_CATALOG__URL",
          "token": "",
          "tokenEnv": ""
        },
        {
          "target": "orders",
          "port": 8103,
          "urlEnv": "MERCADO_GATEWAY_ORDERS__URL",
          "token": "gateway",
          "tokenEnv": "MERCADO_GATEWAY_ORDERS__TOKEN"
        }
      ],
      "accepts": [],
      "callers": [],
      "publishes": [],
      "consumes": []
    }
  },
  "rolloutOrder": [
    "catalog",
    "inventory",
    "bank",
    "payment",
    "orders",
    "notifications",
    "gateway"
  ],
  "tokens": [
    "admin",
    "orders",
    "gateway",
    "payment"
  ],
  "secretKeys": [
    "admin-token",
    "orders-token",
    "gateway-token",
    "payment-token",
    "catalog-database-password",
    "inventory-database-password",
    "bank-database-password",
    "payment-database-password",
    "orders-database-password",
    "notifications-database-password",
    "postgres-password"
  ],
  "databaseServices": [
    "catalog",
    "inventory",
    "bank",
    "payment",
    "orders",
    "notifications"
  ],
  "messagingServices": [
    "catalog",
    "inventory",
    "bank",
    "payment",
    "orders",
    "notifications"
  ],
  "mailServices": [
    "notifications"
  ]
}
{{- end -}}

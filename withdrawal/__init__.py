"""withdrawal: the EU withdrawal function (CRD Art. 11a) for Flask shops."""

from .domain import Order, OrderLine, OrderSource, ProductKind, Trader
from .extension import Withdrawal
from .order_links import withdrawal_url
from .templating import withdrawal_information

__all__ = ["Order", "OrderLine", "OrderSource", "ProductKind", "Trader", "Withdrawal",
           "withdrawal_information", "withdrawal_url"]
__version__ = "0.1.0.dev0"

"""Yurtiçi Kargo: SOAP pull (``ShippingOrderDispatcherServices.queryShipment``) and partner-webhook push.

Confirmed (Yurtiçi's published web-service description, see ``shared/specs/README.md``): the service and
operation, its parameters ``wsUserName, wsPassword, wsLanguage, keys, keyType, addHistoricalData,
onlyTracking``; the reply ``ShippingDeliveryDetailVO{cargoKey, operationStatus, operationMessage, errCode,
shippingDeliveryItemDetailVO{receiverCustName, receiverInfo, deliveryDate (yyyyMMdd), deliveryTime
(HHmmss), deliveryUnitName, delEmpName, cargoEventExplanation, cargoReasonExplanation, trackingUrl}}`` and
the history entries ``CargoEventVO{unitName, eventName, reasonName, eventDate, eventTime, cityName,
townName}``.

Taken from third-party integrations (not Yurtiçi's own documents): the namespace
``http://yurticikargo.com.tr/ShippingOrderDispatcherServices`` and endpoint path; ``operationStatus``
codes NOP, IND, ISR, CNL, ISC, DLV, BI; ``errCode`` 80859 for an unknown key; ``keyType`` 0 = cargo key,
1 = invoice key; the wrapper ``ShippingDeliveryVO{outFlag, outResult, shippingDeliveryDetailVO[]}``.

Assumed: history entries as ``invDocCargoVOArray`` (or ``cargoEventVO``) elements inside the item detail;
``eventDate``/``eventTime`` in the same formats as the delivery's; all times Istanbul time; ``receiverInfo``
holds either a relation word (``KENDİSİ``, ``KOMŞUSU``, …) or the receiver's name.
"""

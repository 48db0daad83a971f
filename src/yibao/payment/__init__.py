"""Payment (支付方式): DRG grouping and payment, DIP, budget and point value, evaluation.

A domain part: it takes plain data and returns plain data, and imports no services, store or face.
"""

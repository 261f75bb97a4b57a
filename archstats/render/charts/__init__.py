"""Charts as inline SVG, drawn with matplotlib from finished data (no torch, no zoo).

``svg`` draws a figure and shares the ids of one page, ``axes`` holds what the charts share on
their axes, ``layers`` draws a handout's charts of its layers, ``zoo`` the index's charts of
every network, ``roofline`` and ``zoo_time`` the charts of measured time.
"""

"""The explorer in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``,
installed by ``.ci/run``) driven by selenium against ``infobase-odata serve samples/trade``."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.integration.conftest import get

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = pytest.mark.integration


@pytest.fixture
def browser(tmp_path, monkeypatch):
    for binary in (CHROMIUM, CHROMEDRIVER):
        assert Path(binary).exists(), f"{binary} is missing: apt-get install -y chromium chromium-driver (.ci/run does)"
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(60)
        # The sample has users: every request of the page carries the admin's Basic credentials.
        driver.execute_cdp_cmd("Network.enable", {})
        token = base64.b64encode(b"admin:admin").decode("ascii")
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def test_browse_from_a_document_to_its_customer_and_filter(cli_server, browser, tmp_path):
    site = "{0.scheme}://{0.netloc}/".format(urlsplit(cli_server))
    browser.get(site)  # the CLI's root links to the explorer and the interface
    assert browser.find_element(By.LINK_TEXT, "OData interface")
    browser.find_element(By.LINK_TEXT, "Explorer").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Objects"
    browser.find_element(By.LINK_TEXT, "Document_SalesOrder").click()
    browser.find_element(By.CSS_SELECTOR, "#rows a.open").click()
    assert browser.find_element(By.ID, "data-version").text
    customer = browser.find_element(By.XPATH, "//table[@id='fields']//tr[th='Customer_Key']//a")
    name = customer.text
    customer.click()
    assert browser.find_element(By.TAG_NAME, "h1").text == name
    key = browser.find_element(By.XPATH, "//table[@id='fields']//tr[th='Ref_Key']/td").text
    browser.save_screenshot(str(tmp_path / "customer.png"))

    browser.find_element(By.XPATH, "//header/a[@class='home']").click()
    browser.find_element(By.LINK_TEXT, "Document_SalesOrder").click()
    box = browser.find_element(By.ID, "filter")
    box.clear()
    box.send_keys(f"Customer_Key eq guid'{key}'")
    browser.find_element(By.CSS_SELECTOR, "form.query button[type=submit]").click()
    expected = get(cli_server + f"Document_SalesOrder?$filter=Customer_Key eq guid'{key}'&$format=json").json()["value"]
    assert expected
    rows = browser.find_elements(By.CSS_SELECTOR, "#rows tbody tr")
    shown = {row.find_element(By.CSS_SELECTOR, "a.open").get_attribute("href").split("'")[1] for row in rows}
    assert shown == {order["Ref_Key"] for order in expected}
    customers = browser.find_elements(By.XPATH, "//table[@id='rows']/tbody/tr/td[8]/a")
    assert {c.text for c in customers} == {key}
    assert f"of {len(expected)}" in browser.find_element(By.CLASS_NAME, "pager").text
    url = browser.find_element(By.ID, "odata-url").get_attribute("value")
    assert {order["Ref_Key"] for order in get(url).json()["value"]} == shown  # the copyable URL answers the same rows
    screenshot = tmp_path / "filtered.png"
    browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
